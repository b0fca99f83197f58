// The one webpack config of every NestJS app (apps/<name>/webpack.config.js calls this):
// TypeScript through tsc (decorator metadata for Nest's DI), node_modules left external.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

module.exports = function nodeAppConfig(appDir, name) {
  return {
    output: { path: join(appDir, '../../dist/apps', name), clean: true },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
      }),
    ],
  };
};
