module.exports = { preset: '@baton/jest-preset', testTimeout: 120000 };
