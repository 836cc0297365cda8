// The status page's stylesheet and icon, served from the exporter itself (same origin: the CSP allows nothing
// else). System fonts only; on narrow screens each table row becomes a card with labelled fields. Green means good
// (covered, a default deny, reachable from no one); exposure is coloured as the risk it is, red for anyone.

export const STATUS_CSS = `:root {
  --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de;
  --covered: #1a7f37; --uncovered: #cf222e; --exempt: #9a6700; --excluded: #6e7781; --link: #0969da;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #161b22; --line: #30363d;
    --covered: #3fb950; --uncovered: #f85149; --exempt: #d29922; --excluded: #8b949e; --link: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 16px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
a { color: var(--link); }
.sub { margin: 0; color: var(--muted); }
.links { margin: 6px 0 12px; display: flex; gap: 14px; flex-wrap: wrap; }
.result { display: inline-block; font-weight: 700; padding: 0 8px; border-radius: 4px; color: #fff; margin-right: 6px; }
.result.pass { background: var(--covered); }
.result.fail { background: var(--uncovered); }
.result.unknown, .result.incomplete { background: var(--exempt); }
.why { color: var(--fg); font-weight: 600; }
.crumbs { margin: 0 0 6px; color: var(--muted); }
.banner { background: var(--panel); border-left: 4px solid var(--exempt); padding: 8px 12px; }
.banner p { margin: 0 0 4px; font-weight: 600; }
.banner ul { margin: 0; padding-left: 1.2rem; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin: 12px 0; }
.card { display: block; padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel);
  color: var(--fg); text-decoration: none; border-top-width: 4px; }
.card .n { display: block; font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card.covered { border-top-color: var(--covered); }
.card.uncovered { border-top-color: var(--uncovered); }
.card.exempt { border-top-color: var(--exempt); }
.card.excluded { border-top-color: var(--excluded); }
.card.deny { border-top-color: var(--link); }
.card.unknown, .card.flag { border-top-color: var(--exempt); }
.card.selected { outline: 2px solid var(--link); }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin: 8px 0; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.filters input, .filters select, .filters button { font: inherit; padding: 6px 8px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); color: var(--fg); min-height: 36px; }
.filters input { min-width: 16rem; }
.filters button { background: var(--link); color: #fff; border-color: var(--link); cursor: pointer; }
.shown { color: var(--muted); margin: 4px 0 8px; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); font-size: .85rem; white-space: nowrap; }
thead th a { color: var(--fg); text-decoration: none; }
tbody th { font-weight: 600; overflow-wrap: anywhere; }
/* A class name, a date or a time never breaks inside itself; the table wraps between them instead. */
.exposure, time, .clock { white-space: nowrap; }
.exposure.risk-high { color: var(--uncovered); font-weight: 700; }
.exposure.risk-medium { color: var(--exempt); font-weight: 600; }
.exposure.risk-low { color: var(--fg); }
.exposure.risk-none { color: var(--covered); }
#namespaces .owner { overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-weight: 700; }
.verdict.covered { color: var(--covered); }
.verdict.uncovered { color: var(--uncovered); }
.verdict.exempt { color: var(--exempt); }
.verdict.excluded { color: var(--excluded); }
/* Internet-facing is exposure to anyone: the risk colour, as reachable from anywhere. Its column is kept narrow
   (several ways in wrap between them), so the namespace names beside it keep their room. */
#namespaces thead th[data-key="internet"] { width: 8rem; }
.internet { color: var(--uncovered); font-weight: 600; }
.internet .via { white-space: nowrap; }
.internet abbr { text-decoration: none; }
.yes { color: var(--covered); }
.no, .none { color: var(--muted); }
.badge { display: inline-block; font-size: .75rem; padding: 0 6px; border: 1px solid var(--line); border-radius: 10px; }
.badge.invalid, .badge.expired { border-color: var(--uncovered); color: var(--uncovered); }
.badge.unknown, .badge.allow-all, .badge.dangling { border-color: var(--exempt); color: var(--exempt); }
h2 { font-size: 1.15rem; margin: 20px 0 8px; }
code { font: .85rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
#actions li { margin-bottom: 6px; }
.detail { display: block; color: var(--muted); font-size: .85rem; word-break: break-word; }
footer { color: var(--muted); font-size: .85rem; padding-bottom: 24px; }
@media (max-width: 640px) {
  .summary { grid-template-columns: repeat(3, 1fr); gap: 6px; }
  .card { padding: 6px 8px; font-size: .85rem; }
  .card .n { font-size: 1.25rem; }
  .filters input { min-width: 0; width: 100%; }
  .filters label:first-child { flex: 1 1 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table, tbody, tr, th, td { display: block; width: 100%; }
  tbody tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; padding: 4px 0; }
  tbody th, tbody td { border: 0; padding: 3px 12px; }
  tbody th { font-size: 1.05rem; }
  /* The label sits in a fixed left column and the cell's content flows as text beside it: a cell with several
     parts (an exemption's owner, date and reason) wraps within its column instead of laying them out side by side. */
  tbody td { position: relative; padding-left: calc(8.5rem + 20px); min-height: 1.7em; overflow-wrap: anywhere; }
  tbody td::before { content: attr(data-label); position: absolute; left: 12px; top: 3px; width: 8.5rem;
    color: var(--muted); font-size: .85rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  td.num { text-align: left; }
  dl.facts { grid-template-columns: 1fr; gap: 2px; }
  dl.facts dd { margin-bottom: 8px; }
  .sort-links { display: block; }
}
`;

/** A shield: the page's icon, so the browser's automatic /favicon.ico request never 404s into the console. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path fill="#1a7f37" d="M8 1 2 3v4.5C2 11 4.6 14 8 15c3.4-1 6-4 6-7.5V3z"/></svg>
`;
