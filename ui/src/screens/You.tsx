import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { Scored, StylePortrait, Traits } from "../bindings";
import { BarChart, LineChart, type Point } from "../components/Charts";
import { Icon } from "../components/Icon";
import { confirmDialog } from "../lib/confirm";
import { num, parseWhen, percent } from "../lib/format";
import { attempt, toast, toastError } from "../lib/toast";

const BANDS = ["1-3", "4-7", "8-15", "16-31", "32-63", "64+"];

export function You() {
  const [portrait, setPortrait] = useState<StylePortrait | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    api.portrait().then(setPortrait, (e) => {
      setFailed(true);
      toastError(e, "Could not load your portrait");
    });
  }, []);

  const exclude = async (text: string) => {
    const next = await attempt(api.exclude(text), "Could not exclude");
    if (next) {
      setPortrait(next);
      toast(`“${text}” won't be used any more`);
    }
  };

  const reset = async () => {
    const ok = await confirmDialog({
      title: "Reset what Tofu learned?",
      message: "Your style portrait — phrases, words, topics and the history below — is forgotten. Transcripts are kept.",
      confirmLabel: "Reset",
      danger: true,
    });
    if (!ok) return;
    const next = await attempt(api.resetStyle(), "Could not reset");
    if (next) {
      setPortrait(next);
      toast("Tofu starts learning your style afresh");
    }
  };

  const head = (
    <header class="screen-head">
      <div>
        <h1 id="you-title">You</h1>
        <p class="muted">How you talk, as Tofu has learned it. It uses this to sound a little more like you.</p>
      </div>
      <button type="button" class="button danger-outline" data-testid="style-reset" onClick={reset} disabled={!portrait}>
        Reset what I learned
      </button>
    </header>
  );

  if (!portrait) {
    return (
      <section class="screen you" data-testid="screen-you" aria-labelledby="you-title">
        {head}
        <p class="muted">{failed ? "Your portrait could not be loaded." : "Loading…"}</p>
      </section>
    );
  }

  const { profile, history } = portrait;
  const t = profile.traits;

  return (
    <section class="screen you" data-testid="screen-you" aria-labelledby="you-title">
      {head}
      {t.utterances === 0 ? (
        <div class="card empty-state" data-testid="style-empty">
          <h2>Nothing learned yet</h2>
          <p>
            Tofu learns how you talk as you talk with it: the length of your sentences, your favourite phrases, the little
            words you lean on. Have a conversation and come back — your portrait will appear here.
          </p>
          {profile.excluded.length > 0 && <Excluded items={profile.excluded} />}
        </div>
      ) : (
        <div class="you-grid">
          <div class="stats card wide">
            <h2>Your style at a glance</h2>
            <div class="stat-grid">
              <Stat label="Things you said" value={num(t.utterances, 0)} />
              <Stat label="Words" value={num(t.words, 0)} />
              <Stat label="Words per turn" value={num(t.mean_words_per_utterance)} />
              <Stat label="Words per sentence" value={num(t.mean_words_per_sentence)} />
              <Stat label="Vocabulary richness" value={percent(t.vocabulary_richness)} hint="different words per 100" />
              <Stat label="Formality" value={formalityWord(t.formality)} hint={`${percent(t.formality)} formal`} />
              <Stat label="Questions" value={percent(t.question_rate)} hint="of sentences" />
              <Stat label="Exclamations" value={percent(t.exclamation_rate)} hint="of sentences" />
              <Stat label="Contractions" value={num(t.contractions_per_100_words)} hint="per 100 words" />
              <Stat label="Fillers" value={num(t.fillers_per_100_words)} hint="per 100 words">
                <Tops items={t.top_fillers} />
              </Stat>
              <Stat label="Hedges" value={num(t.hedges_per_100_words)} hint="per 100 words">
                <Tops items={t.top_hedges} />
              </Stat>
              <Stat label="I · we · you" value={`${num(t.i_per_100_words)} · ${num(t.we_per_100_words)} · ${num(t.you_per_100_words)}`} hint="per 100 words" />
              <Stat label="Mood" value={sentimentWord(t)} hint={`${percent(t.positive_share)} positive · ${percent(t.negative_share)} negative`} />
            </div>
          </div>

          <div class="card">
            <h2>Signature phrases</h2>
            <Chips items={profile.phrases} testid="phrase-chip" onExclude={exclude} empty="No signature phrases yet." />
          </div>
          <div class="card">
            <h2>Distinctive words</h2>
            <Chips items={profile.distinctive_words} testid="word-chip" onExclude={exclude} empty="No distinctive words yet." />
          </div>

          <div class="card">
            <h2>Sentence length</h2>
            <p class="muted small">Share of what you said, by number of words.</p>
            <BarChart values={t.length_bands.slice(0, 6)} labels={BANDS} title="How long your turns are, in words" />
          </div>
          <div class="card">
            <h2>Topics</h2>
            {profile.topics.length ? (
              <ul class="tags">
                {profile.topics.map((x) => (
                  <li key={x} class="tag">
                    {x}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No recurring topics yet.</p>
            )}
            {profile.excluded.length > 0 && <Excluded items={profile.excluded} />}
          </div>

          <History history={history} />
        </div>
      )}
    </section>
  );
}

function formalityWord(f: number) {
  return f > 0.6 ? "Formal" : f < 0.35 ? "Casual" : "In between";
}

function sentimentWord(t: Traits) {
  if (t.positive_share + t.negative_share === 0) return "–";
  if (t.positive_share >= 0.65) return "Upbeat";
  if (t.negative_share >= 0.65) return "Low-key";
  return "Balanced";
}

function Stat({ label, value, hint, children }: { label: string; value: string; hint?: string; children?: ComponentChildren }) {
  return (
    <div class="stat">
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
      {hint && <span class="stat-hint">{hint}</span>}
      {children}
    </div>
  );
}

function Tops({ items }: { items: [string, number][] }) {
  if (!items.length) return null;
  return <span class="stat-tops">{items.slice(0, 3).map(([w, n]) => `“${w}” ×${n}`).join(", ")}</span>;
}

function Chips({ items, testid, onExclude, empty }: { items: Scored[]; testid: string; onExclude: (t: string) => void; empty: string }) {
  if (!items.length) return <p class="muted">{empty}</p>;
  return (
    <ul class="chips">
      {items.map((s) => (
        <li key={s.text} class="chip" data-testid={testid} title={`${s.count} times`}>
          <span class="chip-text">{s.text}</span>
          <span class="chip-count" aria-label={`${s.count} times`}>
            {s.count}
          </span>
          <button type="button" class="chip-x" data-testid="chip-exclude" aria-label={`Exclude “${s.text}”`} onClick={() => onExclude(s.text)}>
            <Icon name="x" size={14} />
          </button>
        </li>
      ))}
    </ul>
  );
}

function Excluded({ items }: { items: string[] }) {
  return (
    <div class="excluded">
      <h3>Excluded</h3>
      <p class="muted small">Tofu leaves these out of what it learns.</p>
      <ul class="tags">
        {items.map((x) => (
          <li key={x} class="tag muted-tag">
            {x}
          </li>
        ))}
      </ul>
    </div>
  );
}

function History({ history }: { history: StylePortrait["history"] }) {
  const snaps = history
    .map((h) => ({ at: parseWhen(h.at), traits: h.traits }))
    .filter((h) => Number.isFinite(h.at))
    .sort((a, b) => a.at - b.at);
  const series = (f: (t: Traits) => number): Point[] => snaps.map((s) => ({ x: s.at, y: f(s.traits) }));
  return (
    <div class="card wide">
      <h2>Over time</h2>
      {snaps.length < 2 ? (
        <p class="muted" data-testid="history-note">
          {snaps.length === 0
            ? "Tofu takes a snapshot of your style from time to time. Come back after a few conversations to see how it changes."
            : "One snapshot so far. Once there are two or more, you'll see how your style changes here."}
        </p>
      ) : (
        <div class="charts-row">
          <figure>
            <figcaption>Formality</figcaption>
            <LineChart points={series((t) => t.formality)} title="Formality over time" format={(v) => percent(v)} yMin={0} yMax={1} />
          </figure>
          <figure>
            <figcaption>Words per sentence</figcaption>
            <LineChart points={series((t) => t.mean_words_per_sentence)} title="Words per sentence over time" format={(v) => num(v, 1)} />
          </figure>
        </div>
      )}
    </div>
  );
}
