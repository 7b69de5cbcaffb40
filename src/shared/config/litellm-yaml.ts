import { parseDocument, type Document, type ScalarTag, type Tags } from 'yaml';

const BOOL = 'tag:yaml.org,2002:bool';

/** A YAML 1.1 boolean as PyYAML reads one: its words, but not the single letters y/n that YAML 1.1 adds. */
function pyYamlBoolean(value: boolean, test: RegExp): ScalarTag {
  return { identify: (candidate) => candidate === value, default: true, tag: BOOL, test, resolve: () => value };
}

const PYYAML_BOOLEANS = [
  pyYamlBoolean(true, /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/),
  pyYamlBoolean(false, /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/),
];

/**
 * Parses a config file as LiteLLM does: with PyYAML, which speaks YAML 1.1, so `20_000` is a number and
 * `yes`/`no`/`on`/`off` are booleans; unlike the YAML 1.1 of the letter, `y` and `n` stay strings
 * (`required: [n]` names a property `n`).
 */
export function parseLiteLlmYaml(text: string): Document {
  return parseDocument(text, {
    version: '1.1',
    prettyErrors: true,
    customTags: (tags: Tags) => [
      ...tags.filter((tag) => (typeof tag === 'string' ? tag !== 'bool' : tag.tag !== BOOL)),
      ...PYYAML_BOOLEANS,
    ],
  });
}
