/**
 * The identifiers of users, titles and countries are part of the API's
 * contract (the lowest layer, shared with the browser client).
 */
export { CountryCodeSchema, CountrySchema, IdSchema } from '../contract/index.js';
