import { describe, expect, it } from "vitest";
import type { LoopEvent } from "../bindings";
import { heard, session } from "../test/ipc";
import { createSessionStore } from "./session";
import { toasts } from "./toast";

const timings = { speech_end_s: 0, end_detected_s: 0, transcript_s: 0, first_token_s: null, first_sentence_s: null, first_audio_s: null, reply_done_s: 0 };
const reply = (turn: number, text: string, interrupted = false): LoopEvent => ({ event: "reply", turn, name: "Tofu", text, engine: "embedded", interrupted, timings });

function setup() {
  const store = createSessionStore();
  store.setSession(session());
  const run = (...events: LoopEvent[]) => events.forEach(store.handle);
  const companions = () => store.live.get().bubbles.filter((b) => b.speaker === "companion");
  return { store, run, companions };
}

describe("session store", () => {
  it("starts a restarted reply for the same turn from an empty bubble", () => {
    const { store, run, companions } = setup();
    // Written early from the tentative transcript, then cancelled: the
    // final transcript differed, and the reply is written again.
    run({ event: "thinking", turn: 1 }, { event: "sentence", turn: 1, text: "Oh, the north!" });
    run(heard("It was my reports from the north, mostly."));
    run({ event: "thinking", turn: 1 });
    expect(companions()).toHaveLength(1);
    expect(companions()[0].text).toBe("");
    expect(companions()[0].pending).toBe(true);

    run({ event: "sentence", turn: 1, text: "Your reports?" });
    expect(companions().map((b) => b.text)).toEqual(["Your reports?"]);
    run(reply(1, "Your reports?"));
    expect(companions().map((b) => b.text)).toEqual(["Your reports?"]);
    expect(store.live.get().bubbles.map((b) => b.speaker)).toEqual(["user", "companion"]);
  });

  it("takes the reply's text, and drops the bubble of an empty interrupted reply", () => {
    const { run, companions } = setup();
    run(heard("Tell me a story."), { event: "thinking", turn: 1 }, { event: "sentence", turn: 1, text: "Once upon a time," });
    run(reply(1, "", true));
    expect(companions()).toHaveLength(0);

    run(heard("Another one?"), { event: "thinking", turn: 2 }, { event: "sentence", turn: 2, text: "Sure." });
    run(reply(2, "Sure thing."));
    expect(companions().map((b) => [b.text, b.pending])).toEqual([["Sure thing.", false]]);
  });

  it("marks an early reply (the next turn's number) interrupted", () => {
    const { run, companions } = setup();
    run(heard("First."), { event: "thinking", turn: 1 }, { event: "sentence", turn: 1, text: "Yes." }, reply(1, "Yes."));
    // Written from the tentative transcript of turn 2 ...
    run({ event: "thinking", turn: 2 }, { event: "sentence", turn: 2, text: "Well, as I was saying" });
    // ... and talked over: the event names the last final turn (1).
    run({ event: "interrupted", turn: 1, at_s: 3 });
    const [done, early] = companions();
    expect(done.interrupted).toBeFalsy();
    expect(early.interrupted).toBe(true);
  });

  it("shows errors as notes: the reply and the orb go on", () => {
    const { store, run, companions } = setup();
    run(heard("Hello?"), { event: "thinking", turn: 1 });
    run({ event: "error", message: "model failed to load; answering without the model" });
    expect(store.live.get().orb).toBe("thinking");
    expect(companions()).toHaveLength(1);
    expect(companions()[0].pending).toBe(true);
    expect(toasts.get().map((t) => t.message)).toEqual(["model failed to load; answering without the model"]);

    run({ event: "sentence", turn: 1, text: "Hi there." }, { event: "speaking", turn: 1, text: "Hi there." });
    run({ event: "error", message: "could not save the reply: disk full" });
    expect(store.live.get().orb).toBe("speaking");
    expect(companions().map((b) => [b.text, b.pending])).toEqual([["Hi there.", true]]);

    run(reply(1, "Hi there."));
    expect(companions().map((b) => [b.text, b.pending])).toEqual([["Hi there.", false]]);
    expect(store.live.get().orb).toBe("listening");
  });

  it("drops an earlier turn's empty reply that never came", () => {
    const { store, run } = setup();
    run(heard("One."), { event: "thinking", turn: 1 }, { event: "error", message: "no reply: out of memory" });
    run(heard("Two."), { event: "thinking", turn: 2 }, { event: "sentence", turn: 2, text: "Two!" });
    expect(store.live.get().bubbles.map((b) => `${b.speaker}:${b.text}`)).toEqual(["user:One.", "user:Two.", "companion:Two!"]);
  });
});
