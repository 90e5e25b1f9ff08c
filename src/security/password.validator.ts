import { registerDecorator, type ValidationArguments } from 'class-validator';
import { passwordProblem } from './password-policy';

/** Validates a new password against the password policy (length in characters and bytes, common list). */
export function IsAcceptablePassword(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isAcceptablePassword',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && passwordProblem(value) === null,
        defaultMessage: (args: ValidationArguments) =>
          typeof args.value === 'string'
            ? `${args.property} ${passwordProblem(args.value) ?? 'is invalid'}`
            : `${args.property} must be a string`,
      },
    });
  };
}
