# The guest-fuzzing boot test (label fuzz): test/guests/fuzz*.c as the guest.
