import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { Persona } from "../bindings";
import { find, ipc, persona } from "../test/ipc";
import { Personality } from "./Personality";

describe("Personality", () => {
  it("saves when a slider changes and shows Saved", async () => {
    const mock = ipc({ persona_get: persona(), persona_presets: [], persona_set: (a: { persona: Persona }) => a.persona });
    const { container } = render(<Personality />);
    const slider = await find(container, "input[name=warmth]");
    expect(slider.value).toBe("0.8");
    for (const name of ["playfulness", "curiosity", "verbosity", "formality", "mirroring"]) {
      expect(container.querySelector(`input[type=range][name=${name}]`)).toBeTruthy();
    }

    fireEvent.input(slider, { target: { value: "0.35" } });
    expect(mock.called("persona_set")).toHaveLength(0); // not on every input
    fireEvent.change(slider, { target: { value: "0.35" } });
    await waitFor(() => expect(screen.getByTestId("persona-saved").textContent).toBe("Saved"));
    expect(mock.called("persona_set")).toHaveLength(1);
    expect(mock.called("persona_set")[0].args).toEqual({ persona: persona({ warmth: 0.35 }) });
  });

  it("saves the name on blur and shows validation errors", async () => {
    const mock = ipc({
      persona_get: persona(),
      persona_presets: [],
      persona_set: () => {
        throw "name must not be empty";
      },
    });
    const { container } = render(<Personality />);
    const name = await find(container, "input[name=name]");
    fireEvent.input(name, { target: { value: "" } });
    fireEvent.blur(name);
    await waitFor(() => expect(screen.getByTestId("persona-error").textContent).toContain("name must not be empty"));
    expect(mock.called("persona_set")[0].args).toEqual({ persona: persona({ name: "" }) });
    expect(screen.queryByTestId("persona-saved")).toBeNull();
  });

  it("a preset loads into the form and is saved", async () => {
    const bold = persona({ name: "Sparky", playfulness: 1 });
    const mock = ipc({
      persona_get: persona(),
      persona_presets: [{ name: "Sparky", description: "Funny", persona: bold }],
      persona_set: (a: { persona: Persona }) => a.persona,
    });
    const { container } = render(<Personality />);
    fireEvent.click(await screen.findByTestId("preset"));
    await waitFor(() => expect(screen.getByTestId("persona-saved")).toBeTruthy());
    expect(mock.called("persona_set")[0].args).toEqual({ persona: bold });
    expect(container.querySelector<HTMLInputElement>("input[name=name]")!.value).toBe("Sparky");
  });

  it("Try it sends the form's persona and shows the reply", async () => {
    const mock = ipc({
      persona_get: persona(),
      persona_presets: [],
      persona_try: { text: "It was lovely, thanks!", engine: "reflect", spoken: true },
    });
    const { container } = render(<Personality />);
    const slider = await find(container, "input[name=curiosity]");
    fireEvent.input(slider, { target: { value: "0.1" } });
    expect(screen.getByTestId("try-input")).toHaveProperty("value", "How was your day?");
    fireEvent.click(screen.getByTestId("try-it"));
    await waitFor(() => expect(screen.getByTestId("try-reply").textContent).toBe("It was lovely, thanks!"));
    expect(mock.called("persona_try")[0].args).toEqual({ persona: persona({ curiosity: 0.1 }), text: "How was your day?" });
    expect(screen.getByText(/\(spoken\)/)).toBeTruthy();
  });
});
