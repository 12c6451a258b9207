export { boxIouXywh } from './box-iou.js';
