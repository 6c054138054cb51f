// vault-exec only sends JSON; axios's multipart support (form-data and mime-db) would be a third of the bundle.
module.exports = class FormData {};
