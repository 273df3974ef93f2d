/**
 * Keys created in this tab, kept in memory only (never in storage) so the API tester can offer them
 * without asking the user to paste a key that was shown a moment ago. A reload forgets them.
 */

const remembered = new Map();

export function rememberKey(created) {
  if (created && created.key) remembered.set(String(created.id), { id: String(created.id), name: created.name, key: created.key, prefix: created.prefix });
}

export function rememberedKeys() {
  return [...remembered.values()];
}
