export { type BackendChoice, type BackendPreference, initBackend } from './init-backend.js';
