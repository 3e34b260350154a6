export * from './box-driver';
export * from './asset-names';
export * from './asset-data';
export * from './local-driver';
export * from './party-box';
export * from './redis-driver';
export * from './s3-driver';
export * from './create-box-driver';
