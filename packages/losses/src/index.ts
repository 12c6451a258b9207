export { meanSquaredError } from './mean-squared-error.js';
