// Tests check warnings with Warnings.collect; printing them on every synth would only be noise.
process.env.VCLUSTER_PLATFORM_QUIET_WARNINGS = '1';
export {};
