import type { EChartsCoreOption } from 'echarts/core';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { echarts } from './echarts.ts';

/**
 * One chart: an SVG drawing that resizes with its box. For a screen reader it is an image
 * named by `label`; the same numbers are in the tables beside it.
 */
export default function Chart({
  option,
  label,
  testId,
}: {
  option: EChartsCoreOption;
  label: string;
  testId: string;
}) {
  return (
    <div role="img" aria-label={label} data-testid={testId}>
      <ReactEChartsCore
        echarts={echarts}
        option={option}
        notMerge
        lazyUpdate
        className="chart"
        opts={{ renderer: 'svg' }}
      />
    </div>
  );
}
