module.exports = require('../../tools/webpack/node-app.config')(__dirname, 'files');
