/** Horizontal bar charts written by hand: one panel per figure, a bar per subject, a whisker for the spread. */
export interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
  text: string;
  highlight?: boolean;
}

export interface Panel {
  title: string;
  bars: Bar[];
  /** A dashed vertical line, e.g. a target or the 1.00x baseline. */
  reference?: { value: number; label: string };
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function barChart(title: string, panels: Panel[]): string {
  const width = 760;
  const labelWidth = 250;
  const textWidth = 150;
  const plot = width - labelWidth - textWidth - 20;
  const barHeight = 18;
  const gap = 6;
  let y = 36;
  const parts: string[] = [];
  parts.push(`<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`);
  for (const panel of panels) {
    const top = Math.max(...panel.bars.map((b) => b.max ?? b.value), panel.reference?.value ?? 0) * 1.08 || 1;
    const scale = (v: number) => labelWidth + (Math.max(0, v) / top) * plot;
    parts.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`);
    y += 22;
    const first = y;
    for (const bar of panel.bars) {
      const fill = bar.highlight ? "#d9480f" : "#4c6ef5";
      parts.push(`<text x="${labelWidth - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${(scale(bar.value) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${fill}"/>`);
      if (bar.min !== undefined && bar.max !== undefined) {
        const cy = y + barHeight / 2;
        parts.push(`<line x1="${scale(bar.min).toFixed(1)}" x2="${scale(bar.max).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#222" stroke-width="1.5"/>`);
        for (const v of [bar.min, bar.max])
          parts.push(`<line x1="${scale(v).toFixed(1)}" x2="${scale(v).toFixed(1)}" y1="${cy - 4}" y2="${cy + 4}" stroke="#222" stroke-width="1.5"/>`);
      }
      parts.push(`<text x="${width - textWidth}" y="${y + 13}" font-size="12">${escape(bar.text)}</text>`);
      y += barHeight + gap;
    }
    if (panel.reference !== undefined) {
      const x = scale(panel.reference.value).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${first - 4}" y2="${y - gap + 4}" stroke="#2b8a3e" stroke-dasharray="4 3" stroke-width="1.5"/>`);
      parts.push(`<text x="${x}" y="${y + 10}" font-size="11" fill="#2b8a3e" text-anchor="middle">${escape(panel.reference.label)}</text>`);
      y += 12;
    }
    y += 14;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}
