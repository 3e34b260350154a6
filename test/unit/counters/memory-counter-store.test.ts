import { MemoryCounterStore } from 'campfires';
import { describeCounterStore } from '../../contracts/counter-store.contract';

describeCounterStore('MemoryCounterStore', async () => ({ store: new MemoryCounterStore() }));
