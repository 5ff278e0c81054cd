"""The add-on's bpy side: rig sampling, sequencer and texture output, the job runtime."""
