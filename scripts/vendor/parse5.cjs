module.exports = require('parse5');
