// The reviewer's report page (written by src/core/report/reviewHtml.ts into a single HTML file). Its data
// is JSON in a non-executed script block; everything from it is shown as text, never as markup.
import { REVIEW_REPORT_FORMAT, type ReviewReportData } from '../../../src/shared/reviewReport';
import { h } from '../common/dom';
import { ReviewPage } from './reviewView';

function readData(): ReviewReportData | string {
  const text = document.getElementById('assay-data')?.textContent;
  if (!text) return 'This report holds no data.';
  try {
    const data = JSON.parse(text) as ReviewReportData;
    return data.format === REVIEW_REPORT_FORMAT ? data : 'This file is not an Assay review report.';
  } catch {
    return 'This report’s data is damaged (it is not valid JSON).';
  }
}

const app = document.getElementById('app')!;
const data = readData();
if (typeof data === 'string') app.appendChild(h('p', { class: 'fail' }, data));
else new ReviewPage(app, data).render();
