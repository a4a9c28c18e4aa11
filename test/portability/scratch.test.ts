import { portabilitySuite } from './matrix.ts';

portabilitySuite('scratch');
