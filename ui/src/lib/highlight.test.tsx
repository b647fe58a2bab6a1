import { render } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { parseSnippet, Snippet } from "./highlight";

describe("snippet highlighter", () => {
  it("splits a snippet into plain and hit parts", () => {
    expect(parseSnippet("a \u0001garden\u0002 bed and \u0001gardens\u0002")).toEqual([
      { text: "a ", hit: false },
      { text: "garden", hit: true },
      { text: " bed and ", hit: false },
      { text: "gardens", hit: true },
    ]);
    expect(parseSnippet("")).toEqual([]);
  });

  it("renders hits as <mark> elements", () => {
    const { container } = render(
      <p>
        <Snippet text={"I love \u0001tofu\u0002 and \u0001miso\u0002 soup"} />
      </p>,
    );
    const marks = container.querySelectorAll("mark");
    expect([...marks].map((m) => m.textContent)).toEqual(["tofu", "miso"]);
    expect(container.textContent).toBe("I love tofu and miso soup");
  });

  it("never interprets the text as HTML", () => {
    const { container } = render(
      <p>
        <Snippet text={"<b>bold</b> \u0001<img src=x onerror=alert(1)>\u0002"} />
      </p>,
    );
    expect(container.querySelector("b")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toBe("<b>bold</b> <img src=x onerror=alert(1)>");
    expect(container.querySelector("mark")?.textContent).toBe("<img src=x onerror=alert(1)>");
  });
});
