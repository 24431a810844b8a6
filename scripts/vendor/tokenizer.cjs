module.exports = require('gpt-tokenizer/encoding/o200k_base');
