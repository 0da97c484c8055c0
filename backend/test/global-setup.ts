// Runs once before all suites: nothing to start globally; suites open what they need through helpers.
export default function setup(): void {}
