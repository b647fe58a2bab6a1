import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { Conversation, ConversationSummary, SearchHit, Turn } from "../bindings";
import { renderScreen } from "../test/render";
import { ipc } from "../test/ipc";
import { Transcripts } from "./Transcripts";

const t0 = new Date(2026, 10, 26, 9, 30).getTime();

const summaries: ConversationSummary[] = [
  { id: 1, started_at: t0 - 86400e3, ended_at: t0 - 86400e3 + 60e3, title: null, source: "live", turns: 2, preview: "yesterday's chat" },
  { id: 2, started_at: t0, ended_at: t0 + 120e3, title: null, source: "live", turns: 2, preview: "about the garden" },
];

const turn = (id: number, text: string, over: Partial<Turn> = {}): Turn => ({
  id,
  uid: `t${id}`,
  conversation_id: 2,
  speaker: "user",
  started_at: t0 + id * 1000,
  ended_at: t0 + id * 1000 + 500,
  heard_text: text,
  corrected_text: null,
  corrected_at: null,
  language: "en",
  confidence: 0.9,
  model: null,
  engine: null,
  persona: null,
  audio_path: null,
  ...over,
});

const conversation: Conversation = {
  id: 2,
  uid: "c2",
  started_at: t0,
  title: null,
  source: "live",
  turns: [turn(20, "I planted tomatos", { audio_path: "a.wav" }), turn(21, "Lovely!", { speaker: "companion", persona: "Tofu" })],
};

const hits: SearchHit[] = [
  { turn_id: 21, conversation_id: 2, speaker: "companion", started_at: t0, snippet: "so \u0001lovely\u0002 <b>x</b>", rank: 1 },
];

describe("Transcripts", () => {
  it("lists conversations grouped by day, newest first, and opens one", async () => {
    const mock = ipc({ history_conversations: summaries, history_conversation: conversation });
    renderScreen(<Transcripts />);
    const items = await screen.findAllByTestId("conversation-item");
    expect(items.map((i) => i.dataset.conversationId)).toEqual(["2", "1"]);
    expect(document.querySelectorAll(".day")).toHaveLength(2);

    fireEvent.click(items[0]);
    await waitFor(() => expect(screen.getAllByTestId("turn")).toHaveLength(2));
    expect(mock.called("history_conversation")[0].args).toEqual({ id: 2 });
    const rows = screen.getAllByTestId("turn");
    expect(rows[0].dataset.turnId).toBe("20");
    expect(within(rows[0]).getByTestId("play")).toBeTruthy();
    expect(within(rows[1]).queryByTestId("play")).toBeNull();
  });

  it("debounces the search and renders highlighted hits; a hit opens its turn", async () => {
    const mock = ipc({ history_conversations: summaries, history_search: hits, history_conversation: conversation });
    renderScreen(<Transcripts />);
    await screen.findAllByTestId("conversation-item");
    const box = screen.getByTestId("search");
    fireEvent.input(box, { target: { value: "l" } });
    fireEvent.input(box, { target: { value: "lov" } });
    fireEvent.input(box, { target: { value: "lovely" } });
    await new Promise((r) => setTimeout(r, 100));
    expect(mock.called("history_search")).toHaveLength(0);

    const found = await screen.findAllByTestId("hit");
    expect(mock.called("history_search")).toEqual([{ cmd: "history_search", args: { text: "lovely" } }]);
    expect(found).toHaveLength(1);
    expect(found[0].querySelector("mark")!.textContent).toBe("lovely");
    expect(found[0].querySelector("b")).toBeNull();
    expect(found[0].textContent).toContain("<b>x</b>");

    fireEvent.click(found[0]);
    await waitFor(() => expect(document.querySelector('[data-turn-id="21"][data-testid="turn"]')?.getAttribute("data-highlighted")).toBe("true"));
  });

  it("corrects a turn inline, then reverts it", async () => {
    const corrected = { ...conversation.turns[0], corrected_text: "I planted tomatoes", corrected_at: t0 };
    const mock = ipc({
      history_conversations: summaries,
      history_conversation: conversation,
      history_correct: (a: { text: string | null }) => (a.text == null ? conversation.turns[0] : corrected),
    });
    renderScreen(<Transcripts />);
    fireEvent.click((await screen.findAllByTestId("conversation-item"))[0]);
    const row = (await screen.findAllByTestId("turn"))[0];
    fireEvent.click(within(row).getByTestId("edit"));
    const area = within(row).getByTestId("edit-text") as HTMLTextAreaElement;
    expect(area.value).toBe("I planted tomatos");
    fireEvent.input(area, { target: { value: "I planted tomatoes" } });
    fireEvent.click(within(row).getByTestId("save-correction"));

    await waitFor(() => expect(within(row).getByTestId("corrected-badge")).toBeTruthy());
    expect(mock.called("history_correct")[0].args).toEqual({ turnId: 20, text: "I planted tomatoes" });
    expect(row.querySelector(".turn-text")!.textContent).toBe("I planted tomatoes");

    fireEvent.click(within(row).getByTestId("revert"));
    await waitFor(() => expect(within(row).queryByTestId("corrected-badge")).toBeNull());
    expect(mock.called("history_correct")[1].args).toEqual({ turnId: 20, text: null });
  });

  it("deletes a turn only after confirming", async () => {
    const mock = ipc({
      history_conversations: summaries,
      history_conversation: conversation,
      history_delete_turn: { conversations: 0, turns: 1, audio_files: 1 },
    });
    renderScreen(<Transcripts />);
    fireEvent.click((await screen.findAllByTestId("conversation-item"))[0]);
    const row = (await screen.findAllByTestId("turn"))[0];
    fireEvent.click(within(row).getByTestId("delete-turn"));
    fireEvent.click(await screen.findByTestId("confirm-cancel"));
    await waitFor(() => expect(screen.queryByTestId("confirm-dialog")).toBeNull());
    expect(mock.called("history_delete_turn")).toHaveLength(0);

    fireEvent.click(within(row).getByTestId("delete-turn"));
    fireEvent.click(await screen.findByTestId("confirm-ok"));
    await waitFor(() => expect(mock.called("history_delete_turn")).toHaveLength(1));
    expect(mock.called("history_delete_turn")[0].args).toEqual({ turnId: 20 });
  });

  it("deletes a day by its local date", async () => {
    const mock = ipc({ history_conversations: summaries, history_delete_day: { conversations: 1, turns: 2, audio_files: 0 } });
    renderScreen(<Transcripts />);
    await screen.findAllByTestId("conversation-item");
    fireEvent.click(screen.getAllByTestId("delete-day")[0]);
    fireEvent.click(await screen.findByTestId("confirm-ok"));
    await waitFor(() => expect(mock.called("history_delete_day")).toHaveLength(1));
    expect(mock.called("history_delete_day")[0].args).toEqual({ day: "2026-11-26" });
    await waitFor(() => expect(mock.called("history_conversations")).toHaveLength(2));
  });

  it("exports through the save dialog and reports how many", async () => {
    const mock = ipc({
      history_conversations: summaries,
      "plugin:dialog|save": "/tmp/out.vtt",
      history_export: 7,
    });
    renderScreen(<Transcripts />);
    await screen.findAllByTestId("conversation-item");
    fireEvent.change(screen.getByTestId("export-format"), { target: { value: "vtt" } });
    fireEvent.click(screen.getByTestId("export"));
    await screen.findByText("Exported 7 conversations");
    expect(mock.called("history_export")[0].args).toEqual({ format: "vtt", path: "/tmp/out.vtt" });
  });

  it("plays a turn's recording as a WAV blob", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const pause = vi.spyOn(HTMLMediaElement.prototype, "pause").mockImplementation(() => {});
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (blobs.push(b), "blob:tofu/1"));
    URL.revokeObjectURL = vi.fn();
    const mock = ipc({ history_conversations: summaries, history_conversation: conversation, history_audio: new Uint8Array([82, 73, 70, 70]).buffer });
    renderScreen(<Transcripts />);
    fireEvent.click((await screen.findAllByTestId("conversation-item"))[0]);
    fireEvent.click(await screen.findByTestId("play"));
    await waitFor(() => expect(play).toHaveBeenCalledTimes(1));
    expect(mock.called("history_audio")[0].args).toEqual({ turnId: 20 });
    expect(blobs[0].type).toBe("audio/wav");
    expect(blobs[0].size).toBe(4);
    cleanup(); // unmounting stops the player and frees the URL
    expect(pause).toHaveBeenCalled();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:tofu/1");
    play.mockRestore();
    pause.mockRestore();
  });
});
