/** Search criteria and paging, as the directory services accept them (compiled to SQL in src/store). */
export type { Anchor, PageRequest, SearchRequest } from "../store/search.js";
export type { Comparison, Criteria, CriteriaValue } from "../store/criteria.js";
export { CriteriaError } from "../store/criteria.js";
