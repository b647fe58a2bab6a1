import { save } from "@tauri-apps/plugin-dialog";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { UnlistenFn } from "@tauri-apps/api/event";
import { api, events } from "../api";
import type { Conversation, ConversationSummary, ExportFormat, SearchHit, Turn } from "../bindings";
import { Icon } from "../components/Icon";
import { confirmDialog } from "../lib/confirm";
import { dateTime, dayKey, dayLabel, duration, plural, timeOfDay } from "../lib/format";
import { Snippet } from "../lib/highlight";
import { quietly } from "../lib/session";
import { attempt, toast, toastError } from "../lib/toast";
import { stopPlayer, TurnRow } from "./transcripts/TurnRow";

const FORMATS: { id: ExportFormat; label: string; ext: string }[] = [
  { id: "markdown", label: "Markdown", ext: "md" },
  { id: "json", label: "JSON", ext: "json" },
  { id: "text", label: "Plain text", ext: "txt" },
  { id: "srt", label: "Subtitles (SRT)", ext: "srt" },
  { id: "vtt", label: "Subtitles (WebVTT)", ext: "vtt" },
];

const SEARCH_DELAY_MS = 250;

export function Transcripts() {
  const [summaries, setSummaries] = useState<ConversationSummary[] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [focusTurn, setFocusTurn] = useState<number | null>(null);
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [format, setFormat] = useState<ExportFormat>("markdown");
  const [exporting, setExporting] = useState(false);
  const searchSeq = useRef(0);
  const openSeq = useRef(0);

  const refresh = async () => {
    const list = await attempt(api.conversations(), "Could not load conversations");
    if (list) setSummaries(list);
    else setSummaries((s) => s ?? []);
    return list;
  };

  useEffect(() => {
    refresh();
    // New turns land while this screen is open: keep the list current.
    let off: UnlistenFn | null = null;
    let gone = false;
    let timer = 0;
    events
      .onLoop((e) => {
        if (e.event !== "reply") return;
        clearTimeout(timer);
        timer = window.setTimeout(refresh, 500);
      })
      .then((f) => (gone ? quietly(f) : (off = f)))
      .catch(() => {});
    return () => {
      gone = true;
      clearTimeout(timer);
      if (off) quietly(off);
      stopPlayer();
    };
  }, []);

  // Full-text search, debounced.
  useEffect(() => {
    const q = query.trim();
    const seq = ++searchSeq.current;
    if (!q) {
      setHits(null);
      return;
    }
    const timer = setTimeout(async () => {
      try {
        const found = await api.search(q);
        if (seq === searchSeq.current) setHits(found);
      } catch (e) {
        if (seq === searchSeq.current) {
          setHits([]);
          toastError(e, "Search failed");
        }
      }
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const open = async (id: number, turn: number | null = null) => {
    const seq = ++openSeq.current;
    setSelected(id);
    setFocusTurn(turn);
    try {
      const c = await api.conversation(id);
      if (seq === openSeq.current) setConversation(c);
    } catch (e) {
      if (seq === openSeq.current) setConversation(null);
      toastError(e, "Could not open the conversation");
    }
  };

  const reopen = async () => {
    const list = await refresh();
    if (selected == null) return;
    if (list && !list.some((c) => c.id === selected)) {
      setSelected(null);
      setConversation(null);
      return;
    }
    const c = await attempt(api.conversation(selected));
    if (c) setConversation(c);
  };

  const groups = useMemo(() => {
    const sorted = [...(summaries ?? [])].sort((a, b) => b.started_at - a.started_at);
    const out: { day: string; items: ConversationSummary[] }[] = [];
    for (const c of sorted) {
      const day = dayKey(c.started_at);
      const last = out[out.length - 1];
      if (last && last.day === day) last.items.push(c);
      else out.push({ day, items: [c] });
    }
    return out;
  }, [summaries]);

  const deleteDay = async (day: string, count: number) => {
    const ok = await confirmDialog({
      title: "Delete this day?",
      message: `${dayLabel(day)}: ${plural(count, "conversation")} and their recordings will be deleted. This cannot be undone.`,
      confirmLabel: "Delete day",
      danger: true,
    });
    if (!ok) return;
    const done = await attempt(api.deleteDay(day), "Could not delete");
    if (!done) return;
    toast(`Deleted ${plural(done.turns, "turn")} from ${plural(done.conversations, "conversation")}`);
    if (query.trim()) setHits((h) => h && h.filter((x) => dayKey(x.started_at) !== day));
    await reopen();
  };

  const doExport = async () => {
    const f = FORMATS.find((x) => x.id === format)!;
    setExporting(true);
    try {
      const path = await save({
        defaultPath: `tofu-transcripts.${f.ext}`,
        filters: [{ name: f.label, extensions: [f.ext] }],
      });
      if (!path) return;
      const n = await api.exportTo(format, path);
      toast(`Exported ${plural(n, "conversation")}`);
    } catch (e) {
      toastError(e, "Export failed");
    } finally {
      setExporting(false);
    }
  };

  const searching = query.trim().length > 0;

  return (
    <section class="screen transcripts" data-testid="screen-transcripts" aria-labelledby="transcripts-title">
      <header class="screen-head">
        <div>
          <h1 id="transcripts-title">Transcripts</h1>
          <p class="muted">Everything you and Tofu said, kept on this device.</p>
        </div>
        <div class="toolbar">
          <label class="inline-field">
            <span>Format</span>
            <select data-testid="export-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as ExportFormat)}>
              {FORMATS.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="button" data-testid="export" onClick={doExport} disabled={exporting}>
            <Icon name="download" />
            Export…
          </button>
        </div>
      </header>

      <div class="split">
        <aside class="list-pane card">
          <div class="search-box">
            <Icon name="search" />
            <label class="visually-hidden" for="transcript-search">
              Search transcripts
            </label>
            <input
              id="transcript-search"
              type="search"
              data-testid="search"
              placeholder="Search everything said…"
              autoComplete="off"
              value={query}
              onInput={(e) => setQuery(e.currentTarget.value)}
            />
          </div>

          <div class="list-scroll">
            {searching ? (
              hits === null ? (
                <p class="muted pad">Searching…</p>
              ) : hits.length === 0 ? (
                <p class="muted pad" data-testid="no-hits">
                  Nothing found for “{query.trim()}”.
                </p>
              ) : (
                <ul class="hits" aria-label="Search results">
                  {hits.map((h) => (
                    <li key={h.turn_id}>
                      <button
                        type="button"
                        class={`hit ${focusTurn === h.turn_id ? "selected" : ""}`}
                        data-testid="hit"
                        data-turn-id={h.turn_id}
                        onClick={() => open(h.conversation_id, h.turn_id)}
                      >
                        <span class="hit-meta">
                          {h.speaker === "user" ? "You" : "Tofu"} · {dateTime(h.started_at)}
                        </span>
                        <span class="hit-text">
                          <Snippet text={h.snippet} />
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              )
            ) : summaries === null ? (
              <p class="muted pad">Loading…</p>
            ) : groups.length === 0 ? (
              <div class="empty pad">
                <p>No conversations yet.</p>
                <p class="muted">They'll appear here, grouped by day, as you talk with Tofu.</p>
              </div>
            ) : (
              groups.map((g) => (
                <div class="day" key={g.day}>
                  <div class="day-head">
                    <h2>{dayLabel(g.day)}</h2>
                    <button
                      type="button"
                      class="icon-button subtle"
                      data-testid="delete-day"
                      aria-label={`Delete ${dayLabel(g.day)}`}
                      title="Delete this day"
                      onClick={() => deleteDay(g.day, g.items.length)}
                    >
                      <Icon name="trash" size={16} />
                    </button>
                  </div>
                  <ul>
                    {g.items.map((c) => (
                      <li key={c.id}>
                        <button
                          type="button"
                          class="conv-item"
                          data-testid="conversation-item"
                          data-conversation-id={c.id}
                          aria-current={selected === c.id ? "true" : undefined}
                          onClick={() => open(c.id)}
                        >
                          <span class="conv-top">
                            <span class="conv-time">{timeOfDay(c.started_at)}</span>
                            <span class="conv-count">
                              {plural(c.turns, "turn")} · {duration(c.ended_at - c.started_at)}
                            </span>
                          </span>
                          <span class="conv-preview">{c.title || c.preview || "(empty)"}</span>
                        </button>
                      </li>
                    ))}
                  </ul>
                </div>
              ))
            )}
          </div>
        </aside>

        <div class="detail-pane card">
          {conversation && selected === conversation.id ? (
            <ConversationView conversation={conversation} focusTurn={focusTurn} onChanged={setConversation} onDeleted={reopen} />
          ) : (
            <div class="empty center">
              <p>{selected != null ? "Opening…" : "Pick a conversation to read it."}</p>
              <p class="muted">You can play recordings, fix what was misheard, or delete anything.</p>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

function ConversationView(props: {
  conversation: Conversation;
  focusTurn: number | null;
  onChanged: (c: Conversation) => void;
  onDeleted: () => void;
}) {
  const { conversation: c, focusTurn } = props;
  const scroller = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (focusTurn == null) {
      el.scrollTop = 0;
      return;
    }
    const row = el.querySelector<HTMLElement>(`[data-turn-id="${focusTurn}"]`);
    if (row) {
      row.scrollIntoView?.({ block: "center", behavior: "smooth" });
      row.focus({ preventScroll: true });
    }
  }, [c.id, focusTurn]);

  const replace = (t: Turn) => props.onChanged({ ...c, turns: c.turns.map((x) => (x.id === t.id ? t : x)) });

  const first = c.turns[0];
  const last = c.turns[c.turns.length - 1];
  return (
    <div class="conversation-view">
      <header class="detail-head">
        <h2>{c.title || `${dayLabel(dayKey(c.started_at))}, ${timeOfDay(c.started_at)}`}</h2>
        <p class="muted">
          {dateTime(c.started_at)} · {plural(c.turns.length, "turn")}
          {first && last ? ` · ${duration(last.ended_at - first.started_at)}` : ""}
          {c.source !== "live" ? ` · ${c.source}` : ""}
        </p>
      </header>
      <ol class="turns" ref={scroller}>
        {c.turns.map((t) => (
          <TurnRow key={t.id} turn={t} focused={focusTurn === t.id} onChanged={replace} onDeleted={props.onDeleted} />
        ))}
      </ol>
    </div>
  );
}
