export * from './box-driver';
