import { act, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { emitLoop, heard, ipc, session } from "../test/ipc";
import { Conversation } from "./Conversation";

/** Lets effects scheduled outside act() run (e.g. the Space listener of push-to-talk). */
const effectsRun = () => act(() => new Promise((r) => setTimeout(r, 150)));

async function setup(handlers: Record<string, unknown> = {}) {
  const mock = ipc({ session_state: session(), ...handlers });
  render(<Conversation />);
  await waitFor(() => expect(screen.getByTestId("session-phase").textContent).toContain("listening"));
  await act(() => new Promise((r) => setTimeout(r, 0))); // event listeners registered
  return mock;
}

describe("Conversation", () => {
  it("starts listening on mount when the session is stopped", async () => {
    const mock = ipc({ session_state: session({ phase: "stopped" }), session_start: session({ phase: "listening" }) });
    render(<Conversation />);
    await waitFor(() => expect(mock.called("session_start")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("session-phase").textContent).toContain("listening"));
    expect(screen.getByTestId("orb").dataset.state).toBe("listening");
  });

  it("does not start a session that is already listening", async () => {
    const mock = await setup();
    expect(mock.called("session_start")).toHaveLength(0);
  });

  it("shows the partial transcript, then a user bubble on final", async () => {
    await setup();
    await act(() => emitLoop({ event: "speech_started", at_s: 1 }));
    expect(screen.getByTestId("orb").dataset.state).toBe("hearing");
    await act(() => emitLoop({ event: "partial", text: "hello the", at_s: 1.2 }));
    expect(screen.getByTestId("partial").textContent).toBe("hello the");

    await act(() => emitLoop(heard("Hello there")));
    expect(screen.getByTestId("partial").textContent).toBe("");
    const bubbles = screen.getAllByTestId("bubble-user");
    expect(bubbles).toHaveLength(1);
    expect(bubbles[0].querySelector(".bubble-text")!.textContent).toBe("Hello there");
    expect(screen.getByTestId("orb").dataset.state).toBe("thinking");
  });

  it("grows a companion bubble with sentences and finalizes it on reply", async () => {
    await setup();
    await act(() => emitLoop(heard("How are you?")));
    await act(() => emitLoop({ event: "thinking", turn: 3 }));
    await act(() => emitLoop({ event: "sentence", turn: 3, text: "I'm well." }));
    let bubble = screen.getByTestId("bubble-companion");
    expect(bubble.querySelector(".bubble-text")!.textContent).toBe("I'm well.");
    expect(bubble.dataset.pending).toBe("true");

    await act(() => emitLoop({ event: "speaking", turn: 3, text: "I'm well." }));
    expect(screen.getByTestId("orb").dataset.state).toBe("speaking");
    await act(() => emitLoop({ event: "sentence", turn: 3, text: "And you?" }));
    bubble = screen.getByTestId("bubble-companion");
    expect(bubble.querySelector(".bubble-text")!.textContent).toBe("I'm well. And you?");

    await act(() =>
      emitLoop({
        event: "reply",
        turn: 3,
        name: "Tofu",
        text: "I'm well. And you?",
        engine: "embedded",
        interrupted: false,
        timings: { speech_end_s: 0, end_detected_s: 0, transcript_s: 0, first_token_s: null, first_sentence_s: null, first_audio_s: null, reply_done_s: 0 },
      }),
    );
    const all = screen.getAllByTestId("bubble-companion");
    expect(all).toHaveLength(1);
    expect(all[0].dataset.pending).toBeUndefined();
    expect(all[0].textContent).toBe("I'm well. And you?");
    expect(screen.getByTestId("orb").dataset.state).toBe("listening");
  });

  it("puts the person's turn above a reply that started before it was final", async () => {
    await setup();
    // The reply is written from the tentative transcript, so its first
    // sentence can arrive before the turn's final transcript.
    await act(() => emitLoop({ event: "thinking", turn: 1 }));
    await act(() => emitLoop({ event: "sentence", turn: 1, text: "Oh, the north!" }));
    await act(() => emitLoop(heard("It was my reports from the north.")));
    const order = Array.from(document.querySelectorAll("[data-testid^=bubble-]")).map((b) => b.getAttribute("data-testid"));
    expect(order).toEqual(["bubble-user", "bubble-companion"]);
  });

  it("marks an interrupted reply", async () => {
    await setup();
    await act(() => emitLoop({ event: "sentence", turn: 1, text: "Once upon a" }));
    await act(() => emitLoop({ event: "interrupted", turn: 1, at_s: 2 }));
    await act(() =>
      emitLoop({
        event: "reply",
        turn: 1,
        name: "Tofu",
        text: "Once upon a",
        engine: "embedded",
        interrupted: true,
        timings: { speech_end_s: 0, end_detected_s: 0, transcript_s: 0, first_token_s: null, first_sentence_s: null, first_audio_s: null, reply_done_s: 0 },
      }),
    );
    const bubble = screen.getByTestId("bubble-companion");
    expect(bubble.dataset.interrupted).toBe("true");
    expect(screen.getByText("interrupted")).toBeTruthy();
  });

  it("Send calls session_say with the text and clears the box", async () => {
    const mock = await setup();
    const input = screen.getByTestId("say-input") as HTMLInputElement;
    fireEvent.input(input, { target: { value: "  I typed this  " } });
    fireEvent.click(screen.getByTestId("say-send"));
    await waitFor(() => expect(mock.called("session_say")).toHaveLength(1));
    expect(mock.called("session_say")[0].args).toEqual({ text: "I typed this" });
    expect(input.value).toBe("");
    // not shown until the backend echoes it back as a final event
    expect(screen.queryAllByTestId("bubble-user")).toHaveLength(0);
  });

  it("Stop calls session_interrupt", async () => {
    const mock = await setup();
    fireEvent.click(screen.getByTestId("stop"));
    await waitFor(() => expect(mock.called("session_interrupt")).toHaveLength(1));
  });

  it("mode buttons call session_mode and push-to-talk shows the hold button", async () => {
    const mock = await setup({ session_mode: (a: { mode: string }) => session({ mode: a.mode as "mute" }) });
    expect(screen.queryByTestId("hold-to-talk")).toBeNull();
    fireEvent.click(screen.getByTestId("mode-push-to-talk"));
    await waitFor(() => expect(screen.getByTestId("hold-to-talk")).toBeTruthy());
    expect(mock.called("session_mode")[0].args).toEqual({ mode: "push-to-talk" });
    expect(screen.getByTestId("mode-push-to-talk").getAttribute("aria-pressed")).toBe("true");

    fireEvent.pointerDown(screen.getByTestId("hold-to-talk"));
    fireEvent.pointerUp(screen.getByTestId("hold-to-talk"));
    await waitFor(() => expect(mock.called("session_talk").map((c) => c.args.down)).toEqual([true, false]));

    fireEvent.keyDown(document.body, { key: " ", code: "Space" });
    fireEvent.keyUp(document.body, { key: " ", code: "Space" });
    await waitFor(() => expect(mock.called("session_talk").map((c) => c.args.down)).toEqual([true, false, true, false]));

    fireEvent.click(screen.getByTestId("mode-mute"));
    fireEvent.click(screen.getByTestId("mode-hands-free"));
    await waitFor(() => expect(mock.called("session_mode").map((c) => c.args.mode)).toEqual(["push-to-talk", "mute", "hands-free"]));
  });

  it("Space in the text box does not talk", async () => {
    const mock = await setup({ session_state: session({ mode: "push-to-talk" }) });
    await effectsRun();
    const input = screen.getByTestId("say-input");
    fireEvent.keyDown(input, { key: " ", code: "Space" });
    fireEvent.keyUp(input, { key: " ", code: "Space" });
    await new Promise((r) => setTimeout(r, 20));
    expect(mock.called("session_talk")).toHaveLength(0);
    // (while outside it, Space does talk)
    fireEvent.keyDown(document.body, { key: " ", code: "Space" });
    await waitFor(() => expect(mock.called("session_talk").map((c) => c.args.down)).toEqual([true]));
  });

  it("Space on a focused button, link or radio does its usual thing, not push-to-talk", async () => {
    const mock = await setup({ session_state: session({ mode: "push-to-talk" }) });
    const talks = () => mock.called("session_talk").map((c) => c.args.down);
    // Outside controls, Space talks.
    await screen.findByTestId("hold-to-talk");
    await effectsRun();
    fireEvent.keyDown(document.body, { key: " ", code: "Space" });
    fireEvent.keyUp(document.body, { key: " ", code: "Space" });
    await waitFor(() => expect(talks()).toEqual([true, false]));

    const owners: HTMLElement[] = [screen.getByTestId("mode-hands-free"), screen.getByTestId("stop")];
    const extra = document.createElement("div");
    extra.innerHTML = `<a href="#x">link</a><span role="button" tabindex="0">b</span><span role="radio" tabindex="0">r</span><span role="tab" tabindex="0">t</span><div contenteditable="true"><p>text</p></div><select><option>a</option></select>`;
    document.body.appendChild(extra);
    owners.push(...(Array.from(extra.querySelectorAll("a, span, select")) as HTMLElement[]), extra.querySelector("p")!);
    for (const el of owners) {
      const down = fireEvent.keyDown(el, { key: " ", code: "Space" });
      fireEvent.keyUp(el, { key: " ", code: "Space" });
      expect(down).toBe(true); // not prevented: the button still gets pressed
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(talks()).toEqual([true, false]);
    extra.remove();

    // Space on the hold button itself talks (the button handles it).
    fireEvent.keyDown(screen.getByTestId("hold-to-talk"), { key: " ", code: "Space" });
    fireEvent.keyUp(screen.getByTestId("hold-to-talk"), { key: " ", code: "Space" });
    await waitFor(() => expect(talks()).toEqual([true, false, true, false]));
  });

  it("shows loading, errors and notes from the session", async () => {
    ipc({ session_state: session({ phase: "error", error: "no microphone", notes: ["no speakers: replies are text only"] }) });
    render(<Conversation hold />);
    await waitFor(() => expect(screen.getByTestId("session-phase").textContent).toContain("error"));
    expect(screen.getByTestId("session-error").textContent).toContain("no microphone");
    expect(screen.getByText("no speakers: replies are text only")).toBeTruthy();
  });

  it("pause calls session_stop", async () => {
    const mock = await setup({ session_stop: session({ phase: "stopped" }) });
    fireEvent.click(screen.getByTestId("pause-resume"));
    await waitFor(() => expect(mock.called("session_stop")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("session-phase").textContent).toContain("stopped"));
    expect(screen.getByTestId("orb").dataset.state).toBe("idle");
  });

  it("moves the level meter from level events", async () => {
    await setup();
    await act(() => emitLoop({ event: "level", rms: 0.25, peak: 0.5 }));
    await waitFor(() => expect(screen.getByTestId("level").getAttribute("aria-valuenow")).not.toBe("0"));
  });
});
