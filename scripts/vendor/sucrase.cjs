module.exports = require('sucrase');
