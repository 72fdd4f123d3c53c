// Every area's methods, in one list. Add an area here with one line.

import type { RpcMethod } from '../method.js';
import { backendMethods } from './backend.js';
import { cimMethods } from './cim.js';
import { hiveMethods } from './hive.js';
import { layerMethods } from './layer.js';
import { tarMethods } from './tar.js';

export const areaMethods: RpcMethod[] = [...backendMethods, ...tarMethods, ...hiveMethods, ...cimMethods, ...layerMethods];
