import { portabilitySuite } from './matrix.ts';

portabilitySuite('debian');
