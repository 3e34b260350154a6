/** The messages area: the Message and Torch schemas, tags and Ed25519 signing. Other areas import from here only. */
export { type JsonValue, jsonValueSchema, findNonJson, assertJsonValue, type NonJsonValue, type NonJsonLimits } from './json-value';
export {
  createMessage,
  checkMessage,
  hasTag,
  channelNameSchema,
  messageSchema,
  type Message,
  type MessageInit,
} from './message';
export {
  createTorch,
  isCheckedTorch,
  createErrorTorch,
  isErrorTorch,
  torchOf,
  TORCH_TAG,
  TORCH_VERSION,
  torchSchema,
  type Torch,
  type TorchInput,
} from './torch';
export { isPublicKeyHex, generateSigningKeys, signMessage, verifyMessage, type SigningKeys } from './signing';
