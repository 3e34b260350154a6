import { createTorch, TorchTooLargeError, ValidationError } from 'campfires';

describe('createTorch', () => {
  it('fills in confidence and metadata', () => {
    expect(createTorch({ claim: 'bridge down' })).toEqual({ version: 1, claim: 'bridge down', confidence: 1, metadata: {} });
  });

  it('refuses a torch over 1 KiB, saying how large it was', () => {
    const attempt = () => createTorch({ claim: 'x'.repeat(1100) });
    expect(attempt).toThrow(TorchTooLargeError);
    expect(attempt).toThrow(/at most 1024 bytes/);
  });

  it('names the field and value of a bad confidence', () => {
    try {
      createTorch({ claim: 'ok', confidence: 1.5 });
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]).toMatchObject({ field: 'torch.confidence', given: 1.5 });
    }
  });
});
