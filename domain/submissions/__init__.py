"""What field apps sent that is kept beside the case: attachments, and refused submissions."""
