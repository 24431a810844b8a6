module.exports = require('node-sql-parser');
