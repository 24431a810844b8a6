// The file policy unit tests load fixtures and temporary folders with: everything under `/`, default size limit.
import { fileAccess } from '../../src/core/files/safeFiles';

/** Reads anywhere (fixtures, temp folders) with the default size limit; attacks get their own policies. */
export const TEST_FILES = fileAccess({ roots: ['/'] });
