// The template of the fixed test stage (test/infra/synth.ts) as a snapshot, asset hashes masked, so a review of an infrastructure change reads the real diff.
import { maskAssetHashes, synthStage } from './synth';

it('fixed test stage template', () => {
  const template = synthStage('fixed').template.toJSON();
  const masked = maskAssetHashes(template);
  expect(JSON.stringify(masked)).not.toMatch(/[0-9a-f]{64}/);
  expect(masked).toMatchSnapshot();
});
