export { setLearningRate } from './set-learning-rate.js';
