export * from './delivery-alerts.js';
