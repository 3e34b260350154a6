export * from './prompt-template';
export * from './torchbearer';
export * from './camper';
export * from './function-camper';
export * from './run-recorder';
export * from './campfire';
