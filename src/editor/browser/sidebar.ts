/*
 * The editor's "Audience exports" sidebar tab: every export node of the flows with its live progress
 * (pushed by the runtime over Node-RED's comms) and its last runs (GET audience-export/activity), a
 * small chart of the audience size over those runs, and a click to reveal the node. Written in the
 * editor's language; every text from the runtime is shown as text.
 */

interface RunRecord {
  at: string;
  status: 'completed' | 'completed-with-errors' | 'failed' | 'skipped';
  segment: string;
  dryRun: boolean;
  profiles: number;
  added: number;
  removed: number;
  invalid: number;
  optedOut: number;
  rejected: number;
  durationMs: number;
  audienceName: string | null;
  audienceSize?: number;
  matchRate?: number;
  error?: string;
}

interface LiveProgress {
  state: 'idle' | 'receiving' | 'preparing' | 'busy' | 'sending' | 'waiting';
  sent: number;
  total: number;
  queued: number;
  waitSeconds?: number;
  waitCode?: string;
  text: string;
}

interface Activity {
  live?: LiveProgress;
  runs: RunRecord[];
}

(function () {
  'use strict';
  const win = window as unknown as { audienceExportEditor?: { namespace: string; installSidebar: () => void } };
  const editor = win.audienceExportEditor;
  if (!editor) return;
  const TAB = 'audience-export';
  /** Runs shown per node in the list (the chart uses all the runtime keeps). */
  const SHOWN_RUNS = 5;
  const activity = new Map<string, Activity>();
  let content: JQuery | undefined;

  const t = (key: string, values?: Record<string, string | number>): string => RED._(`${editor.namespace}:audience-export.${key}`, values);
  const language = (): string => (document.documentElement.lang || navigator.language || 'en-US').replace(/^nb$/, 'nb-NO');
  const number = (value: number): string => new Intl.NumberFormat(language(), { maximumFractionDigits: 1 }).format(value);
  const time = (iso: string): string => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(language(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  };

  /** The export nodes of the flows: the types the dialogs were told about, with their outputs. */
  function exportNodes(): RedEditorNode[] {
    const found: RedEditorNode[] = [];
    RED.nodes.eachNode((node) => {
      if (/-audience$/.test(node.type) && typeof node.connection === 'string') found.push(node);
    });
    return found.sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
  }

  function labelOf(node: RedEditorNode): string {
    return node.name || (Array.isArray(node.segments) && node.segments.length > 0 ? (node.segments as string[]).join(', ') : node._(`${node.type}.paletteLabel`));
  }

  /** A run in a few words: what happened, then its counts (the same words as the node status). */
  function runSummary(run: RunRecord): string {
    const counts = { added: number(run.added), removed: number(run.removed) };
    if (run.status === 'failed' || (run.status === 'skipped' && run.error)) return t(`status.failure.${run.error ?? 'internal'}`);
    if (run.status === 'skipped') return t('status.skipped');
    return t(run.dryRun ? 'status.dryRun' : 'status.completed', counts);
  }

  function runDetails(run: RunRecord): string {
    const parts = [t('sidebar.duration', { seconds: number(Math.round(run.durationMs / 100) / 10) })];
    if (run.invalid > 0) parts.push(t('sidebar.invalid', { count: number(run.invalid) }));
    if (run.optedOut > 0) parts.push(t('sidebar.optedOut', { count: number(run.optedOut) }));
    if (run.rejected > 0) parts.push(t('sidebar.rejected', { count: number(run.rejected) }));
    if (run.audienceSize !== undefined) parts.push(t('sidebar.size', { count: number(run.audienceSize) }));
    if (run.matchRate !== undefined) parts.push(t('sidebar.match', { percent: number(run.matchRate <= 1 ? run.matchRate * 100 : run.matchRate) }));
    return parts.join(' · ');
  }

  function liveText(live: LiveProgress): string {
    const values = { sent: number(live.sent), total: number(live.total), queued: number(live.queued), seconds: number(live.waitSeconds ?? 0), parts: number(live.sent) };
    switch (live.state) {
      case 'sending':
        // No total while the segment is still read (batches leave as it arrives).
        if (live.total === 0) return t('status.streaming', values);
        return t(live.queued > 0 ? 'status.progressQueued' : 'status.progress', values);
      case 'waiting':
        return t(live.waitCode === 'rate_limited' ? 'status.rateLimited' : 'status.retrying', values);
      case 'busy':
        return t('status.busy');
      case 'preparing':
        return t('status.preparing');
      default:
        return live.text;
    }
  }

  /** Audience size over the runs that report it; profiles received when the platform reports no size. */
  function chart(runs: RunRecord[]): JQuery | undefined {
    const sized = runs.filter((run) => run.audienceSize !== undefined);
    const series = sized.length >= 2 ? sized.map((run) => run.audienceSize as number) : runs.filter((run) => !run.dryRun).map((run) => run.profiles);
    if (series.length < 2) return undefined;
    const width = 220;
    const height = 40;
    const max = Math.max(...series, 1);
    const step = width / (series.length - 1);
    const points = series.map((value, i) => `${(i * step).toFixed(1)},${(height - 2 - (value / max) * (height - 6)).toFixed(1)}`).join(' ');
    const svg = `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="${points}"/></svg>`;
    const caption = $('<div/>', { class: 'audience-export-chart-caption' }).text(`${t(sized.length >= 2 ? 'sidebar.chartSize' : 'sidebar.chartProfiles')}: ${number(series[series.length - 1])}`);
    return $('<div/>', { class: 'audience-export-chart' }).append($(svg), caption);
  }

  function render(): void {
    if (!content) return;
    const list = content.find('.audience-export-list').empty();
    const nodes = exportNodes();
    if (nodes.length === 0) {
      list.append($('<p/>', { class: 'audience-export-empty' }).text(t('sidebar.empty')));
      return;
    }
    for (const node of nodes) {
      const entry = activity.get(node.id);
      const item = $('<li/>', { class: 'audience-export-item', 'data-node': node.id });
      const title = $('<a/>', { href: '#', class: 'audience-export-node', title: t('sidebar.reveal') }).text(labelOf(node));
      title.on('click', (event) => {
        event.preventDefault();
        RED.view.reveal(node.id);
      });
      const type = node._(`${node.type}.paletteLabel`);
      const head = $('<div/>', { class: 'audience-export-head' }).append(title);
      if (labelOf(node) !== type) head.append($('<span/>', { class: 'audience-export-type' }).text(type));
      item.append(head);
      if (entry?.live && entry.live.state !== 'idle') item.append($('<div/>', { class: 'audience-export-live' }).text(liveText(entry.live)));
      const runs = entry?.runs ?? [];
      if (runs.length === 0) item.append($('<div/>', { class: 'audience-export-none' }).text(t('sidebar.noRuns')));
      const table = $('<ul/>', { class: 'audience-export-runs' });
      for (const run of runs.slice(-SHOWN_RUNS).reverse()) {
        table.append(
          $('<li/>', { class: `audience-export-run audience-export-${run.status}` }).append(
            $('<div/>', { class: 'audience-export-what' }).text(runSummary(run)),
            $('<div/>', { class: 'audience-export-when' }).text(`${run.segment} · ${time(run.at)}`),
            $('<div/>', { class: 'audience-export-details' }).text(runDetails(run)),
          ),
        );
      }
      item.append(table);
      const drawn = chart(runs);
      if (drawn) item.append(drawn);
      list.append(item);
    }
  }

  function load(): void {
    const ids = exportNodes().map((node) => node.id);
    if (ids.length === 0) return render();
    $.getJSON('audience-export/activity', { nodes: ids.join(',') })
      .done((answer: { nodes?: Record<string, Activity> }) => {
        for (const [id, entry] of Object.entries(answer.nodes ?? {})) activity.set(id, { live: entry.live ?? activity.get(id)?.live, runs: entry.runs ?? [] });
        render();
      })
      .fail(() => {
        render();
        content?.find('.audience-export-list').prepend($('<p/>', { class: 'audience-export-error' }).text(t('sidebar.loadFailed')));
      });
  }

  function install(): void {
    if (content || !RED.sidebar) return;
    content = $('<div/>', { class: 'audience-export-sidebar' });
    const style = [
      '.audience-export-sidebar{padding:8px 10px;overflow-y:auto;height:100%;box-sizing:border-box}',
      '.audience-export-list{list-style:none;margin:0;padding:0}',
      '.audience-export-item{padding:8px 0;border-bottom:1px solid var(--red-ui-secondary-border-color,#ddd)}',
      '.audience-export-head{display:flex;justify-content:space-between;gap:8px}',
      '.audience-export-node{font-weight:bold}',
      '.audience-export-type,.audience-export-when,.audience-export-details,.audience-export-none,.audience-export-chart-caption{color:var(--red-ui-secondary-text-color,#777);font-size:0.9em}',
      '.audience-export-live{margin:4px 0;color:var(--red-ui-text-color-link,#0070c0)}',
      '.audience-export-runs{list-style:none;margin:4px 0 0;padding:0}',
      '.audience-export-run{margin:6px 0 6px 8px;padding-left:8px;border-left:3px solid var(--red-ui-secondary-border-color,#ddd)}',
      '.audience-export-what{font-weight:600}',
      '.audience-export-completed .audience-export-what{color:var(--red-ui-text-color,#333)}',
      '.audience-export-failed .audience-export-what{color:var(--red-ui-text-color-error,#b00)}',
      '.audience-export-completed-with-errors .audience-export-what{color:#b36b00}',
      '.audience-export-chart{margin-top:6px;color:var(--red-ui-text-color-link,#0070c0)}',
    ].join('');
    content.append($('<style/>').text(style));
    const toolbar = $('<div/>', { class: 'audience-export-toolbar' }).css({ 'text-align': 'right', 'margin-bottom': '4px' });
    const refresh = $('<button/>', { type: 'button', class: 'red-ui-button red-ui-button-small', title: t('sidebar.refresh') }).append($('<i/>', { class: 'fa fa-refresh' }));
    refresh.on('click', load);
    content.append(toolbar.append(refresh), $('<ul/>', { class: 'audience-export-list' }));
    RED.sidebar.addTab({ id: TAB, label: t('sidebar.tab'), name: t('sidebar.title'), iconClass: 'fa fa-bullseye', content, enableOnEdit: true, onchange: load });
    RED.comms.subscribe('audience-export/progress/#', (topic, message) => {
      const id = topic.split('/')[2];
      activity.set(id, { runs: activity.get(id)?.runs ?? [], live: message as LiveProgress });
      render();
    });
    RED.comms.subscribe('audience-export/run/#', (topic, message) => {
      const id = topic.split('/')[2];
      const entry = activity.get(id) ?? { runs: [] };
      activity.set(id, { live: undefined, runs: [...entry.runs, message as RunRecord] });
      render();
    });
    // The flows arrive after the dialogs load, and change as the user edits: fetch for export nodes not seen yet.
    let pending: number | undefined;
    const soon = (): void => {
      window.clearTimeout(pending);
      pending = window.setTimeout(() => (exportNodes().some((node) => !activity.has(node.id)) ? load() : render()), 300);
    };
    RED.events.on('deploy', load);
    RED.events.on('nodes:change', soon);
    RED.events.on('flows:change', soon);
    RED.events.on('runtime-state', soon);
    load();
  }

  editor.installSidebar = install;
})();
