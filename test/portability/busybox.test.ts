import { portabilitySuite } from './matrix.ts';

portabilitySuite('busybox');
