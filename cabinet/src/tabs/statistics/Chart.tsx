import { useEffect, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  Pie,
  PieChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatChartAmount, formatCount } from '../../ui/format.ts';

/**
 * The Statistics tab's charts (Recharts, SVG drawn by React), in a chunk of their own that the
 * tab fetches after its numbers are on screen. Recharts' accessibility layer lets a keyboard
 * walk the points; the same numbers are in the tables beside each chart.
 */

/** Okabe–Ito: told apart with any colour vision. */
export const palette = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#000000',
  '#F0E442',
];
const color = (at: number) => palette[at % palette.length];

const chartStyle = { width: '100%', height: 'var(--chart-height)' } as const;

export type Series = { key: string; name: string };

/** Sums per day (1.3): a line per payment system; `rows` hold `day` and an amount per key. */
export function PerDayChart({
  rows,
  series,
  language,
}: {
  rows: Record<string, string | number>[];
  series: Series[];
  language: string;
}) {
  return (
    <LineChart style={chartStyle} responsive data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="day" minTickGap={16} />
      <YAxis width="auto" tickFormatter={(v: number) => formatChartAmount(v, language)} />
      <Tooltip formatter={(v) => formatChartAmount(v, language)} />
      <Legend />
      {series.map((s, at) => (
        <Line
          key={s.key}
          dataKey={s.key}
          name={s.name}
          type="linear"
          stroke={color(at)}
          strokeWidth={2}
          dot={rows.length <= 31}
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

/** True on a narrow screen (a phone held upright), following the window as it changes. */
function useNarrow(): boolean {
  const query = '(max-width: 640px)';
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setNarrow(list.matches);
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, []);
  return narrow;
}

/** A long name cut to `max` characters for an axis (the table beside the chart has it whole). */
const cut = (name: string, max: number) => (name.length > max ? `${name.slice(0, max - 1)}…` : name);

/** Money received per payment system (1.2): one bar each. */
export function BySystemChart({
  rows,
  language,
}: {
  rows: { name: string; value: number }[];
  language: string;
}) {
  const narrow = useNarrow();
  return (
    <BarChart
      style={chartStyle}
      responsive
      data={rows}
      layout="vertical"
      margin={{ top: 8, right: 24, bottom: 8, left: 8 }}
    >
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" tickFormatter={(v: number) => formatChartAmount(v, language)} />
      <YAxis
        type="category"
        dataKey="name"
        width={narrow ? 112 : 'auto'}
        tickFormatter={(name: string) => (narrow ? cut(name, 16) : name)}
      />
      <Tooltip formatter={(v) => formatChartAmount(v, language)} />
      <Bar dataKey="value" fill={palette[0]} maxBarSize={28} isAnimationActive={false} />
    </BarChart>
  );
}

/** Payments by status (2.2): a ring. */
export function ByStatusChart({
  rows,
  language,
}: {
  rows: { name: string; value: number }[];
  language: string;
}) {
  return (
    <PieChart style={chartStyle} responsive>
      <Pie
        data={rows}
        dataKey="value"
        nameKey="name"
        innerRadius="45%"
        outerRadius="80%"
        isAnimationActive={false}
      >
        {rows.map((row, at) => (
          <Cell key={row.name} fill={color(at)} />
        ))}
      </Pie>
      <Tooltip formatter={(v) => formatCount(String(v), language)} />
      <Legend />
    </PieChart>
  );
}
