// Stands in for tv4 in the bundle: node-vault validates only two things on the `request` path that
// vault-exec uses (a string `path` and `method`; its generated commands' schemas are never used), so
// this checks exactly the schema's `required` and string `properties`, and reports as tv4 does.
let error = null;
module.exports = {
  get error() {
    return error;
  },
  validate(data, schema) {
    error = null;
    if (data === null || typeof data !== 'object') {
      error = new Error('Invalid type: expected object');
      return false;
    }
    for (const name of schema.required ?? [])
      if (!(name in data)) {
        error = new Error(`Missing required property: ${name}`);
        return false;
      }
    for (const [name, rule] of Object.entries(schema.properties ?? {}))
      if (name in data && rule.type === 'string' && typeof data[name] !== 'string') {
        error = new Error(`Invalid type: ${typeof data[name]} (expected string)`);
        return false;
      }
    return true;
  },
};
