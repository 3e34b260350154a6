/** The partybox area: the BoxDriver port, its local, Redis and S3 drivers, and the Party Box. Other areas import from here only. */
export { type AssetInfo, type Asset, type BoxDriver } from './box-driver';
export { type LocalDriverOptions, LocalDriver } from './local-driver';
export { hashOfLocation, assetPointer, type AssetPointer, type PartyBoxOptions, PartyBox } from './party-box';
export { type RedisDriverOptions, RedisDriver } from './redis-driver';
export { type S3DriverOptions, type S3ClientLike, S3Driver } from './s3-driver';
export { createBoxDriver } from './create-box-driver';
export { assetBytes, type AssetData } from './asset-data';
