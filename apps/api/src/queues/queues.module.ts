import { Module } from '@nestjs/common';
import { LifecycleDispatcher } from './lifecycle-dispatcher.service';

@Module({
  providers: [LifecycleDispatcher],
  exports: [LifecycleDispatcher],
})
export class QueuesModule {}
