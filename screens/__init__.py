"""The screens of offboard, one per module, and the small widgets they use."""
