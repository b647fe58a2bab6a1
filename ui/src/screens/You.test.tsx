import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { StylePortrait } from "../bindings";
import { renderScreen } from "../test/render";
import { ipc, traits } from "../test/ipc";
import { You } from "./You";

const portrait = (over: Partial<StylePortrait["profile"]> = {}, history: StylePortrait["history"] = []): StylePortrait => ({
  profile: {
    name: "you",
    traits: traits(),
    vocabulary: 100,
    distinctive_words: [{ text: "tomatoes", count: 4, score: 2 }],
    phrases: [
      { text: "to be honest", count: 5, score: 3 },
      { text: "you know what", count: 3, score: 2 },
    ],
    topics: ["gardening"],
    excluded: [],
    ...over,
  },
  history,
});

describe("You", () => {
  it("excludes a phrase with its × button", async () => {
    const after = portrait({ phrases: [{ text: "you know what", count: 3, score: 2 }], excluded: ["to be honest"] });
    const mock = ipc({ style_portrait: portrait(), style_exclude: after });
    renderScreen(<You />);
    const chips = await screen.findAllByTestId("phrase-chip");
    expect(chips.map((c) => c.querySelector(".chip-text")!.textContent)).toEqual(["to be honest", "you know what"]);
    fireEvent.click(screen.getByRole("button", { name: "Exclude “to be honest”" }));
    await waitFor(() => expect(screen.getAllByTestId("phrase-chip")).toHaveLength(1));
    expect(mock.called("style_exclude")[0].args).toEqual({ phrase: "to be honest" });
  });

  it("shows an empty state before anything was said", async () => {
    ipc({ style_portrait: portrait({ traits: traits({ utterances: 0, words: 0 }), phrases: [], distinctive_words: [] }) });
    renderScreen(<You />);
    expect((await screen.findByTestId("style-empty")).textContent).toContain("learns how you talk");
    expect(screen.queryByTestId("phrase-chip")).toBeNull();
  });

  it("draws the length histogram and handles a single snapshot", async () => {
    ipc({ style_portrait: portrait({}, [{ at: "2026-11-20T10:00:00Z", traits: traits() }]) });
    const { container } = renderScreen(<You />);
    await screen.findAllByTestId("phrase-chip");
    expect(container.querySelectorAll(".bar-chart rect.bar")).toHaveLength(6);
    expect(screen.getByTestId("history-note").textContent).toContain("One snapshot");
    expect(container.querySelector(".line-chart")).toBeNull();
  });

  it("draws line charts from two or more snapshots", async () => {
    ipc({
      style_portrait: portrait({}, [
        { at: "2026-11-01T10:00:00Z", traits: traits({ formality: 0.3 }) },
        { at: "2026-11-20T10:00:00Z", traits: traits({ formality: 0.5 }) },
      ]),
    });
    const { container } = renderScreen(<You />);
    await screen.findAllByTestId("phrase-chip");
    expect(container.querySelectorAll(".line-chart")).toHaveLength(2);
    expect(container.querySelectorAll(".line-chart")[0].querySelectorAll("circle")).toHaveLength(2);
  });

  it("resets what was learned after confirming", async () => {
    const mock = ipc({ style_portrait: portrait(), style_reset: portrait({ traits: traits({ utterances: 0 }) }) });
    renderScreen(<You />);
    await screen.findAllByTestId("phrase-chip");
    fireEvent.click(screen.getByTestId("style-reset"));
    fireEvent.click(await screen.findByTestId("confirm-ok"));
    await screen.findByTestId("style-empty");
    expect(mock.called("style_reset")).toHaveLength(1);
  });
});
