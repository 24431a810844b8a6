module.exports = require('openai');
