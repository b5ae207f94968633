"""What an administrator of one member account would try."""
