import { defaultColumns, defaultSort, emptyFilter, type ColumnId, type HomeFilter, type HomeSort } from './homeTable';

/** What the user chose on Home; AppShell keeps it, so returning to Home finds it as it was left. */
export interface HomeView {
  filter: HomeFilter;
  sort: HomeSort;
  shown: readonly ColumnId[];
}

export const initialHomeView: HomeView = { filter: emptyFilter, sort: defaultSort, shown: defaultColumns };
