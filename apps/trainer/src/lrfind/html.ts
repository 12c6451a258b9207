import { lineChart } from '../report/svg.js';
import type { LrFindFile } from './result.js';
import { describeStop, smoothedDrop, WEAK_DROP } from './result.js';

function esc(s: string): string {
  return s.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c,
  );
}

/**
 * The self-contained `lr-find.html` page (no scripts, no external resources): the raw and
 * smoothed loss against the learning rate on a log axis, the suggested rate marked, how the
 * test ended, the `--apply` block when there is a suggestion, and the configuration.
 */
export function renderLrFindHtml(f: LrFindFile, applyBlock: string | null): string {
  const pts = (k: 'loss' | 'smoothed') =>
    f.points.filter((p) => p[k] !== null).map((p) => [p.lr, p[k] as number] as [number, number]);
  const sug = f.points.find((p) => p.step === f.suggestedStep);
  const chart = lineChart(
    [
      { name: 'loss', color: '#aec7e8', points: pts('loss') },
      { name: 'smoothed loss', color: '#1f77b4', points: pts('smoothed') },
    ],
    {
      title: 'Learning-rate range test',
      xLabel: 'learning rate (log scale)',
      logX: true,
      width: 760,
      height: 360,
      markers:
        sug && f.suggestedLr !== null && sug.smoothed !== null
          ? [
              {
                x: sug.lr,
                y: sug.smoothed,
                label: `suggested ${f.suggestedLr.toPrecision(3)}`,
                color: '#d62728',
              },
            ]
          : [],
    },
  );
  const suggestion =
    f.suggestedLr === null
      ? '<p><b>No suggestion</b>: too few points after the skipped ones, or the loss never fell.</p>'
      : `<p>Suggested learning rate: <b>${f.suggestedLr.toPrecision(3)}</b> (step ${f.suggestedStep}: the steepest descent of the smoothed loss against log10 lr before its lowest point, the first 10 points and the last one left out).</p>`;
  const drop = smoothedDrop(f);
  const warning =
    f.suggestedLr !== null && drop !== null && drop < WEAK_DROP
      ? `<p><b>Warning</b>: the smoothed loss fell only ${(100 * drop).toFixed(1)}% over the ramp: the suggestion is noise more than signal (more steps or a larger batch).</p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>burnin lr-find</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1000px}svg{border:1px solid #eee}
pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:300px}</style></head>
<body><h1>Learning-rate range test</h1>
<p>Exponential ramp from ${esc(String(f.start))} to ${esc(String(f.end))} over ${f.steps} steps on a fresh copy of the model (${esc(f.config.train.optimizer)}, batch ${f.config.train.batchSize}, backend ${esc(f.backend)}, ${f.threads} thread${f.threads === 1 ? '' : 's'}); smoothed loss: bias-corrected moving average, beta ${f.beta}. ${esc(describeStop(f))}.</p>
${suggestion}${warning}
${chart}
${applyBlock ? `<h2>Config block (--apply)</h2><pre>${esc(applyBlock)}</pre>` : ''}
<h2>Configuration</h2><pre>${esc(JSON.stringify(f.config, null, 2))}</pre>
</body></html>
`;
}
